/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Deterministic synthetic captures for the benchmarks (bench/run.sh), written
 * as replay frames (bpf/replay_frame.h), as a --tee of a busy cell would hold
 * them. The same shape, count and seed always give the same bytes: the
 * generator uses only integer arithmetic and its own PRNG.
 */
#ifndef FLOWAUDIT_TOOLS_SYNTH_CAPTURE_H
#define FLOWAUDIT_TOOLS_SYNTH_CAPTURE_H

#include <stdint.h>
#include <stdio.h>

enum synth_shape {
	/*
	 * The realistic mix: about 550 new flows per second of capture time,
	 * bursty; 95% CONN_EVENTS v3 (frame kind 4), each open followed later
	 * by its close, in time order (TCP mostly short, closed by FIN or RST;
	 * UDP, ICMP and denied flows closed by the idle sweep 60 s or 300 s
	 * after their last packet, as a run with --tcp-idle-s 300 sweeps);
	 * 5% FLOW_EVENTS v1 (no close). 30% IPv6, 8% denied (verdict drop,
	 * which the built-in tc program never sets: real denies come from v1
	 * objects and NFLOG, whose frames are not in the mix), a few ingress
	 * connections; destinations skewed towards a few popular /24s
	 * (198.51.100.0/24 the most popular).
	 */
	SYNTH_MIX,
	/*
	 * Opens only: v3 TCP flows that all stay open (distinct 5-tuples, 100 us
	 * apart, so 1,000,000 of them span 100 s, well inside flowrec's TCP
	 * idle timeout on a replay's clock).
	 */
	SYNTH_OPENS,
};

/*
 * Write exactly `records` frames of the given shape to f, drawn from seed.
 * Returns 0, or -1 when out of memory. Write errors are left to the caller's
 * fclose().
 */
int synth_capture_write(FILE *f, enum synth_shape shape, long records, uint64_t seed);

#endif
