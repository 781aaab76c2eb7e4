#!json
{
  "vops_s1_main": {"service.running": [
    {"names": ["nginx", "cron"]}]}
}
