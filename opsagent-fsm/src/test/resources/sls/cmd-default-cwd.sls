#!json
{
  "vops_s1_require_cwd": {"file.directory": [
    {"name": "/opt/visualops/tmp"},
    {"makedirs": true},
    {"mode": "0755"}]},
  "vops_s1_main": {"cmd.run": [
    {"name": "date > /tmp/now"},
    {"shell": "/bin/sh"},
    {"cwd": "/opt/visualops/tmp/"},
    {"timeout": 600},
    {"require": [{"file": "vops_s1_require_cwd"}]}]}
}
