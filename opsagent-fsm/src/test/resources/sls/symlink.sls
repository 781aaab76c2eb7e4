#!json
{
  "vops_s1_main": {"file.symlink": [
    {"name": "/opt/app/current"},
    {"target": "/opt/app/releases/42"},
    {"user": "deploy"},
    {"group": "deploy"}]}
}
