package io.esm4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Idle waits end on ticks shared by every thread, lengthened by less than a tenth of their interval. */
class IdleTicksTest {

    private static final long MS = 1_000_000L;

    @Test
    void theTickIsTheLargestPowerOfTenOfMillisecondsAtMostATenthOfTheInterval() {
        assertThat(IdleTicks.tickFor(9 * MS)).isZero();
        assertThat(IdleTicks.tickFor(10 * MS)).isEqualTo(MS);
        assertThat(IdleTicks.tickFor(99 * MS)).isEqualTo(MS);
        assertThat(IdleTicks.tickFor(100 * MS)).isEqualTo(10 * MS);
        assertThat(IdleTicks.tickFor(250 * MS)).isEqualTo(10 * MS);
        assertThat(IdleTicks.tickFor(1_000 * MS)).isEqualTo(100 * MS);
        assertThat(IdleTicks.tickFor(9_999 * MS)).isEqualTo(100 * MS);
        assertThat(IdleTicks.tickFor(10_000 * MS)).isEqualTo(1_000 * MS);
    }

    @Test
    void waitsStartedAtDifferentTimesEndOnTheSameTick() {
        long tick = IdleTicks.tickFor(1_000 * MS);
        long a = 5_000 * MS + 3 * MS;
        long b = 5_000 * MS + 71 * MS;
        assertThat(a + IdleTicks.waitToTick(a, 1_000 * MS, tick)).isEqualTo(6_100 * MS);
        assertThat(b + IdleTicks.waitToTick(b, 1_000 * MS, tick)).isEqualTo(6_100 * MS);
    }

    @Test
    void aWaitEndingOnATickIsKept() {
        assertThat(IdleTicks.waitToTick(4_000 * MS, 1_000 * MS, 100 * MS)).isEqualTo(1_000 * MS);
    }

    @Test
    void ticksCountFromTheOriginAlsoForNegativeNanoTimes() {
        long now = -1_234 * MS;
        long wait = IdleTicks.waitToTick(now, 1_000 * MS, 100 * MS);
        assertThat(wait).isBetween(1_000 * MS, 1_100 * MS - 1);
        assertThat(Math.floorMod(now + wait, 100 * MS)).isZero();
    }

    @Test
    void noWaitAndNoTickLeaveTheWaitAsItIs() {
        assertThat(IdleTicks.waitToTick(17, 0, 100 * MS)).isZero();
        assertThat(IdleTicks.waitToTick(17, 5 * MS, 0)).isEqualTo(5 * MS);
    }
}
