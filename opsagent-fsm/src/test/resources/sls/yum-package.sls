#!json
{
  "vops_s1_pkg_installed": {"pkg.installed": [
    {"pkgs": ["httpd", {"git": "1.8.3.1"}]},
    {"fromrepo": "epel"},
    {"refresh": true}]},
  "vops_s1_pkg_removed": {"pkg.removed": [
    {"pkgs": ["wget"]}]}
}
