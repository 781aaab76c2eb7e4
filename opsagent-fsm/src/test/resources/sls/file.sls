#!json
{
  "vops_s1_main": {"file.managed": [
    {"name": "/etc/motd"},
    {"user": "root"},
    {"group": "adm"},
    {"mode": "0640"},
    {"source": "/var/tmp/opsagent-salt-0123/vops_s1_main.source"}]}
}
