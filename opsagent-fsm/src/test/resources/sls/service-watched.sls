#!json
{
  "vops_s1_watch_action_3": {"cmd.run": [
    {"name": "/usr/local/bin/app-reload --graceful"}]},
  "vops_s1_watch_reload": {"service.mod_watch": [
    {"names": ["php-fpm"]},
    {"sfun": "running"},
    {"reload": true}]},
  "vops_s1_watch_restart": {"service.mod_watch": [
    {"names": ["nginx", "cron"]},
    {"sfun": "running"}]},
  "vops_s1_main": {"service.running": [
    {"names": ["nginx", "cron", "php-fpm", "app"]},
    {"require": [{"cmd": "vops_s1_watch_action_3"}, {"service": "vops_s1_watch_reload"}, {"service": "vops_s1_watch_restart"}]}]}
}
