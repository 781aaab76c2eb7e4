#!json
{
  "vops_s1_main": {"file.directory": [
    {"names": ["/srv/www", "/srv/logs"]},
    {"makedirs": true},
    {"user": "www-data"},
    {"group": "www-data"},
    {"mode": "2775"},
    {"recurse": ["user", "group"]}]}
}
