/** Tests of the release's shell scripts: bin/opsagent, scripts/opsagent-cron.sh, scripts/userdata.sh. */
package io.opsagent.launcher.dist;
