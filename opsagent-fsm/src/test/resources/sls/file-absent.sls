#!json
{
  "vops_s1_main": {"file.absent": [
    {"name": "/tmp/old.conf"}]}
}
