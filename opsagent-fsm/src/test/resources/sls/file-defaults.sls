#!json
{
  "vops_s1_main": {"file.managed": [
    {"name": "/var/lib/app/ready"},
    {"mode": "0644"}]}
}
