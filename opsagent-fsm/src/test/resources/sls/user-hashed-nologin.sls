#!json
{
  "vops_s1_main": {"user.present": [
    {"name": "svc"},
    {"password": "$6$abcdefgh$0123456789abcdef"},
    {"gid": "daemon"},
    {"home": "/var/lib/svc"},
    {"createhome": true},
    {"groups": []},
    {"shell": "/sbin/nologin"},
    {"system": true}]}
}
