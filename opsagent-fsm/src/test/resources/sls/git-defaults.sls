#!json
{
  "vops_s1_require_git": {"pkg.installed": [
    {"name": "git"},
    {"unless": "command -v git"}]},
  "vops_s1_main": {"git.latest": [
    {"name": "git@example.com:app.git"},
    {"target": "/srv/app"},
    {"rev": "master"},
    {"force_checkout": false},
    {"force_reset": false},
    {"require": [{"pkg": "vops_s1_require_git"}]}]}
}
