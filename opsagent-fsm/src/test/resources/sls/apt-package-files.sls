#!json
{
  "vops_s1_pkg_installed": {"pkg.installed": [
    {"sources": [{"mytool": "https://example.com/mytool_1.0_amd64.deb"}]},
    {"skip_verify": true},
    {"refresh": true}]}
}
