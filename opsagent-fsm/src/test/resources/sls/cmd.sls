#!json
{
  "vops_s1_main": {"cmd.run": [
    {"name": "make install PREFIX=/srv/src"},
    {"shell": "/bin/bash"},
    {"cwd": "/srv/src"},
    {"runas": "builder"},
    {"group": "staff"},
    {"env": {"LANG": "C.UTF-8"}},
    {"timeout": 120},
    {"onlyif": "[ -e '/srv/src/Makefile' ] && [ ! -e '/srv/src/installed marker' ]"}]}
}
