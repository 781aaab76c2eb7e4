#!json
{
  "vops_s1_main": {"cron.present": [
    {"names": ["/usr/local/bin/backup", "find /tmp -mtime +7 -delete"]},
    {"user": "root"},
    {"minute": "30"},
    {"hour": "2"},
    {"daymonth": "*"},
    {"month": "*"},
    {"dayweek": "*"}]}
}
