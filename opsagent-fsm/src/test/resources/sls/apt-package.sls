#!json
{
  "vops_s1_pkg_installed": {"pkg.installed": [
    {"pkgs": ["nginx", {"curl": "7.88.1-10"}, "htop"]},
    {"fromrepo": "bookworm-backports"},
    {"debconf": "/root/nginx.debconf"},
    {"skip_verify": false},
    {"refresh": true}]},
  "vops_s1_pkg_latest": {"pkg.latest": [
    {"pkgs": ["vim"]},
    {"fromrepo": "bookworm-backports"},
    {"skip_verify": false},
    {"refresh": true}]},
  "vops_s1_pkg_removed": {"pkg.removed": [
    {"pkgs": ["telnet"]}]},
  "vops_s1_pkg_purged": {"pkg.purged": [
    {"pkgs": ["ftp"]}]}
}
