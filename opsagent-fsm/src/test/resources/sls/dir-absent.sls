#!json
{
  "vops_s1_main": {"file.absent": [
    {"names": ["/srv/old"]}]}
}
