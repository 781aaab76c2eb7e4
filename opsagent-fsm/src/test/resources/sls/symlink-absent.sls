#!json
{
  "vops_s1_main": {"file.absent": [
    {"name": "/opt/app/current"}]}
}
