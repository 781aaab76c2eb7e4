package io.opsagent.fsm.internal.exec.salt;

import io.opsagent.fsm.internal.exec.Params;
import java.util.List;

/**
 * {@code linux.cronjob}: {@code cron.present} with one crontab line per command of {@code cmd}
 * ({@code names}), for {@code user} (default root), with {@code minute}, {@code hour},
 * {@code day-of-month} ({@code daymonth}), {@code month} and {@code day-of-week}
 * ({@code dayweek}), each {@code *} by default.
 */
final class CronTranslator implements ModuleTranslator {

    @Override
    public List<SaltState> translate(Params p, SlsIds ids, HostFacts host) {
        return List.of(SaltState.builder(ids.id("main"), "cron.present")
                .arg("names", p.requiredStringList("cmd"))
                .arg("user", p.string("user", "root"))
                .arg("minute", p.string("minute", "*"))
                .arg("hour", p.string("hour", "*"))
                .arg("daymonth", p.string("day-of-month", "*"))
                .arg("month", p.string("month", "*"))
                .arg("dayweek", p.string("day-of-week", "*"))
                .build());
    }
}
