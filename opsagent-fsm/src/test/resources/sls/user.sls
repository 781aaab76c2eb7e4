#!json
{
  "vops_s1_main": {"user.present": [
    {"name": "deploy"},
    {"password": "s3cret$username"},
    {"hash_password": true},
    {"fullname": "Deploy deploy"},
    {"uid": 1500},
    {"gid": 1500},
    {"home": "/home/deploy"},
    {"createhome": true},
    {"groups": ["sudo", "adm"]}]}
}
