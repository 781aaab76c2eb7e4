#!json
{
  "vops_s1_main": {"group.present": [
    {"name": "deploy"},
    {"gid": 1500},
    {"system": true}]}
}
