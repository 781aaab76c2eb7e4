#!json
{
  "vops_s1_require_git": {"pkg.installed": [
    {"name": "git"},
    {"unless": "command -v git"}]},
  "vops_s1_main": {"git.latest": [
    {"name": "https://github.com/example/app.git"},
    {"target": "/srv/app"},
    {"rev": "v1.2.0"},
    {"identity": "/root/.ssh/deploy"},
    {"force_checkout": true},
    {"force_reset": true},
    {"user": "deploy"},
    {"require": [{"pkg": "vops_s1_require_git"}]}]}
}
