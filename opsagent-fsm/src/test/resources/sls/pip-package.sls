#!json
{
  "vops_s1_require_pip": {"pkg.installed": [
    {"name": "python3-pip"},
    {"unless": "command -v pip3 || command -v pip"}]},
  "vops_s1_pip_installed": {"pip.installed": [
    {"names": ["requests", "flask==2.3.2", "boto"]},
    {"require": [{"pkg": "vops_s1_require_pip"}]}]},
  "vops_s1_pip_removed": {"pip.removed": [
    {"names": ["nose"]},
    {"require": [{"pkg": "vops_s1_require_pip"}]}]}
}
