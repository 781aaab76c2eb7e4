#!json
{
  "vops_s1_main": {"file.managed": [
    {"name": "/etc/motd"},
    {"contents": "Welcome to /etc/motd\n{{ not jinja }} h\u00e9llo\n"},
    {"contents_newline": false},
    {"user": "root"},
    {"group": "adm"},
    {"mode": "0640"}]}
}
