#!json
{
  "vops_s1_main": {"file.directory": [
    {"names": ["/srv/www", "/srv/logs"]},
    {"makedirs": true},
    {"user": "www-data"},
    {"group": "www-data"},
    {"mode": "2775"}]},
  "vops_s1_below": {"cmd.run": [
    {"name": "find '/srv/www' '/srv/logs' -mindepth 1 -maxdepth 1 -exec chown -R -h -- 'www-data:www-data' {} +"},
    {"onlyif": "find '/srv/www' '/srv/logs' -mindepth 1 \\( ! -user 'www-data' -o ! -group 'www-data' \\) -print -quit | grep -q ."},
    {"require": [{"file": "vops_s1_main"}]}]}
}
