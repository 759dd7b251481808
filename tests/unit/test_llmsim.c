// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* llmsim's engine arithmetic: step times against the published formulas, KV
 * block accounting, admission under the token budget, preemption of the
 * youngest sequence, metric text for a known state, request parsing. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <criterion/criterion.h>

#include "tools/lab/llmsim/engine.h"
#include "tools/lab/llmsim/req.h"

static struct sim_engine e;

static void setup(int blocks, int budget)
{
	struct sim_profile p;
	struct sim_config c;

	cr_assert_eq(sim_profile_get("fast", &p), 0);
	sim_config_default(&c, &p);
	c.kv_blocks = blocks;
	c.max_batched_tokens = budget;
	cr_assert_eq(engine_init(&e, &c), 0);
}

static void teardown(void)
{
	engine_fini(&e);
}

TestSuite(llmsim, .fini = teardown);

Test(llmsim, step_time_formula)
{
	struct sim_profile f, s;

	cr_assert_eq(sim_profile_get("fast", &f), 0);
	cr_assert_eq(sim_profile_get("slow", &s), 0);
	cr_assert_eq(sim_profile_get("nope", &s), -ENOENT);
	cr_assert_eq(sim_profile_get("slow", &s), 0);
	/* Prefill only: max(40 ms, 6.77e-5 T + 19.7 ms). */
	cr_expect_float_eq(sim_step_time(&f, 100, 0, 0), 0.040, 1e-12);
	cr_expect_float_eq(sim_step_time(&f, 1000, 0, 0), 6.77e-5 * 1000 + 19.7e-3, 1e-12);
	/* Decode only: 14 ms + 5.35e-7 T_kv + 0.103 ms batch. */
	cr_expect_float_eq(sim_step_time(&f, 0, 8, 4000), 14e-3 + 5.35e-7 * 4000 + 0.103e-3 * 8,
			   1e-12);
	/* Mixed: the decode terms plus the prefill terms. */
	cr_expect_float_eq(sim_step_time(&f, 1000, 2, 300),
			   19.7e-3 + 6.77e-5 * 1000 + 0.103e-3 * 2 + 5.35e-7 * 300, 1e-12);
	cr_expect_float_eq(sim_step_time(&f, 0, 0, 0), 0, 1e-12);
	cr_expect_float_eq(sim_step_time(&s, 0, 8, 4000), 2 * sim_step_time(&f, 0, 8, 4000), 1e-12);
	cr_expect_float_eq(sim_step_time(&s, 1000, 0, 0), 2 * sim_step_time(&f, 1000, 0, 0), 1e-12);
}

Test(llmsim, kv_blocks_ceil)
{
	double dt;
	int h;

	setup(100, 8192);
	h = engine_submit(&e, 100, 3, false, 0);
	cr_assert_geq(h, 0);
	/* Prefill: 100 prompt tokens + the token it produces: ceil(101/16) = 7. */
	dt = engine_step(&e); /* Criterion's macros evaluate twice */
	cr_expect_float_eq(dt, 0.040, 1e-12); /* the 40 ms floor */
	cr_expect_eq(e.seqs[h].blocks, 7);
	cr_expect_eq(e.seqs[h].generated, 1);
	cr_expect_eq(e.free_blocks, 93);
	/* Decode: 101 context tokens, one sequence. */
	dt = engine_step(&e);
	cr_expect_float_eq(dt, 14e-3 + 0.103e-3 + 5.35e-7 * 101, 1e-12);
	cr_expect_eq(e.seqs[h].blocks, 7);
	engine_step(&e);
	cr_expect_eq(e.seqs[h].state, SEQ_DONE);
	cr_expect_eq(e.free_blocks, 100);
	cr_expect_float_eq(e.seqs[h].t_done - e.seqs[h].t_first, e.now - 0.04, 1e-12);
	cr_expect_float_eq(e.seqs[h].t_first, 0.04, 1e-12);
}

Test(llmsim, block_boundary_allocates_one_more)
{
	int h;

	setup(100, 8192);
	h = engine_submit(&e, 15, 5, false, 0);
	engine_step(&e); /* 16 tokens: 1 block */
	cr_expect_eq(e.seqs[h].blocks, 1);
	engine_step(&e); /* 17 tokens: 2 blocks */
	cr_expect_eq(e.seqs[h].blocks, 2);
	cr_expect_eq(e.seqs[h].blocks, sim_blocks(e.seqs[h].prompt + e.seqs[h].generated, 16));
}

Test(llmsim, admission_respects_token_budget)
{
	int a, b, c;

	setup(1000, 1000);
	a = engine_submit(&e, 400, 10, false, 0);
	b = engine_submit(&e, 500, 10, false, 0);
	c = engine_submit(&e, 200, 10, false, 0);
	engine_schedule(&e);
	/* 400 + 500 fit, 200 more would exceed 1000: FCFS stops there. */
	cr_expect_eq(e.step_prefill, 900);
	cr_expect_eq(e.nrun, 2);
	cr_expect_eq(e.nwait, 1);
	cr_expect_eq(e.waiting[0], c);
	cr_expect_float_eq(e.step_time, 19.7e-3 + 6.77e-5 * 900, 1e-12);
	engine_complete(&e);
	/* Next step: 2 decodes leave 998 tokens of budget, c (200) is admitted. */
	engine_schedule(&e);
	cr_expect_eq(e.step_decode, 2);
	cr_expect_eq(e.step_prefill, 200);
	cr_expect_eq(e.step_ctx, 401 + 501);
	cr_expect_eq(e.seqs[a].state, SEQ_RUNNING);
	cr_expect_eq(e.seqs[b].state, SEQ_RUNNING);
	cr_expect_eq(engine_submit(&e, 995, 10, false, 0), -E2BIG);
	cr_expect_eq(engine_submit(&e, 0, 10, false, 0), -EINVAL);
}

Test(llmsim, preemption_requeues_youngest)
{
	int a, b;

	/* 4 blocks: a (31 tokens) and b (15) each need 2 after prefill... */
	setup(4, 8192);
	a = engine_submit(&e, 31, 10, false, 0);
	b = engine_submit(&e, 15, 10, false, 0);
	engine_step(&e);
	cr_expect_eq(e.seqs[a].blocks, 2);
	cr_expect_eq(e.seqs[b].blocks, 1);
	cr_expect_eq(e.free_blocks, 1);
	engine_step(&e); /* a 33 tokens: 3 blocks; b 17: 2 blocks; 5 > 4 */
	cr_expect_eq(e.preemptions, 1);
	cr_expect_eq(e.seqs[b].state, SEQ_WAITING);
	cr_expect_eq(e.seqs[b].blocks, 0);
	cr_expect_eq(e.seqs[b].preemptions, 1);
	cr_expect_eq(e.waiting[0], b);
	cr_expect_eq(e.nrun, 1);
	cr_expect_eq(e.seqs[a].blocks, 3);
	cr_expect_eq(e.free_blocks, 1);
	cr_expect_eq(e.seqs[b].generated, 1);
	/* b keeps its generated token and is recomputed (prompt + generated). */
	while (e.seqs[a].state != SEQ_DONE)
		engine_step(&e);
	engine_schedule(&e);
	cr_expect_eq(e.step_prefill, 16);
	engine_complete(&e);
	cr_expect_eq(e.seqs[b].generated, 2);
	cr_expect_eq(e.prompt_tokens, 46);
}

Test(llmsim, abort_frees_blocks)
{
	int a, b;

	setup(100, 8192);
	a = engine_submit(&e, 100, 10, false, 0);
	b = engine_submit(&e, 100, 10, false, 0);
	engine_step(&e);
	engine_abort(&e, a);
	engine_step(&e);
	cr_expect_eq(e.seqs[a].state, SEQ_FREE);
	cr_expect_eq(e.nrun, 1);
	cr_expect_eq(e.free_blocks, 100 - e.seqs[b].blocks);
}

Test(llmsim, metrics_text_known_state)
{
	struct sim_engine *es[] = { &e };
	char buf[16384];
	int n;

	setup(100, 8192);
	engine_submit(&e, 100, 2, false, 0); /* ttft 0.04, e2e 0.04 + decode */
	engine_submit(&e, 100, 50, false, 0);
	engine_step(&e);
	engine_step(&e);
	engine_submit(&e, 100, 50, false, 0);
	engine_submit(&e, 9000, 1, false, 0);
	n = engine_metrics_format(es, 1, "m1", buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_expect(strstr(buf, "vllm:num_requests_running{model_name=\"m1\"} 1\n"), "%s", buf);
	cr_expect(strstr(buf, "vllm:num_requests_waiting{model_name=\"m1\"} 1\n"), "%s", buf);
	/* 7 blocks of the running sequence (102 tokens) out of 100. */
	cr_expect(strstr(buf, "vllm:kv_cache_usage_perc{model_name=\"m1\"} 0.07\n"), "%s", buf);
	cr_expect(strstr(buf, "vllm:request_success_total{model_name=\"m1\"} 1\n"), "%s", buf);
	cr_expect(strstr(buf, "vllm:generation_tokens_total{model_name=\"m1\"} 4\n"), "%s", buf);
	cr_expect(strstr(buf, "vllm:time_to_first_token_seconds_bucket{le=\"0.04\","
			      "model_name=\"m1\"} 2\n"),
		  "%s", buf);
	cr_expect(strstr(buf, "vllm:time_to_first_token_seconds_count{model_name=\"m1\"} 2\n"),
		  "%s", buf);
	cr_expect(strstr(buf, "vllm:e2e_request_latency_seconds_bucket{le=\"0.3\","
			      "model_name=\"m1\"} 1\n"),
		  "%s", buf);
	cr_expect(strstr(buf, "# TYPE vllm:e2e_request_latency_seconds histogram\n"), "%s", buf);
	cr_expect_eq(engine_metrics_format(es, 1, "m1", buf, 100), -ENOSPC);
}

Test(llmsim, request_parse)
{
	struct sim_req r;
	const char *ok = "{\"model\":\"x\",\"prompt\":\"abcdefghi\",\"max_tokens\":7,"
			 "\"stream\":true,\"n\":[1,{\"a\":null}],\"t\":-1.5e3}";

	cr_assert_eq(sim_req_parse(ok, strlen(ok), &r), 0);
	cr_expect_eq(r.prompt_tokens, 3);
	cr_expect_eq(r.max_tokens, 7);
	cr_expect(r.stream);
	cr_assert_eq(sim_req_parse("{\"prompt_tokens\": 42}", 21, &r), 0);
	cr_expect_eq(r.prompt_tokens, 42);
	cr_expect_eq(r.max_tokens, REQ_MAX_TOKENS_DEFAULT);
	cr_expect_not(r.stream);
	cr_expect_eq(sim_req_parse("{\"prompt_tokens\":1,", 19, &r), -EINVAL);
	cr_expect_eq(sim_req_parse("{\"max_tokens\":1}", 16, &r), -EINVAL);
	cr_expect_eq(sim_req_parse("{\"prompt_tokens\":1.5}", 21, &r), -EINVAL);
	cr_expect_eq(sim_req_parse("{\"prompt_tokens\":\"1\"}", 21, &r), -EINVAL);
	cr_expect_eq(sim_req_parse("{\"prompt\":\"a\",\"stream\":1}", 25, &r), -EINVAL);
	cr_expect_eq(sim_req_parse("{\"prompt\":\"a\"} x", 16, &r), -EINVAL);
	cr_expect_eq(sim_req_parse("[]", 2, &r), -EINVAL);
	cr_expect_eq(sim_req_parse("{\"prompt\":\"a\\q\"}", 16, &r), -EINVAL);
	cr_expect_eq(sim_req_parse("{\"prompt\":\"a\",\"x\":01}", 21, &r), -EINVAL);
}

static void setup_prefix(int prefix_blocks)
{
	struct sim_profile p;
	struct sim_config c;

	cr_assert_eq(sim_profile_get("fast", &p), 0);
	sim_config_default(&c, &p);
	c.kv_blocks = 1000;
	c.max_batched_tokens = 4000;
	c.prefix_blocks = prefix_blocks;
	cr_assert_eq(engine_init(&e, &c), 0);
}

/* Prefill only what the cache does not hold, in whole blocks of 16; the
 * queries and hits count tokens, as vLLM's counters do. */
Test(llmsim, prefix_cache_skips_cached_prefill)
{
	struct sim_prefix sys[] = { { 0xa, 330 }, { 0 } };

	setup_prefix(100);
	engine_submit_prefix(&e, 400, 1, false, 0, sys);
	engine_schedule(&e);
	cr_expect_eq(e.step_prefill, 400, "a cold cache saves nothing");
	engine_complete(&e);
	cr_expect_eq(engine_prefix_cached(&e, 0xa), 320, "20 whole blocks of 330 tokens");
	engine_submit_prefix(&e, 500, 1, false, 0, sys);
	engine_schedule(&e);
	cr_expect_eq(e.step_prefill, 180);
	cr_expect_float_eq(e.step_time, 40e-3, 1e-12,
			   "the prefill floor: 19.7 ms + 180 tokens is less");
	engine_complete(&e);
	cr_expect_eq(e.pc_queries, 900);
	cr_expect_eq(e.pc_hits, 320);
	/* the whole prompt cached: its last block is computed again */
	sys[0].tokens = 320;
	engine_submit_prefix(&e, 320, 1, false, 0, sys);
	engine_schedule(&e);
	cr_expect_eq(e.step_prefill, 320 - 304);
	engine_complete(&e);
	/* another key, or none, hits nothing */
	engine_submit_prefix(&e, 400, 1, false, 0, (struct sim_prefix[]){ { 0xb, 330 }, { 0 } });
	engine_submit(&e, 400, 1, false, 0);
	engine_schedule(&e);
	cr_expect_eq(e.step_prefill, 800);
}

/* A session's context grows turn by turn: each turn hits what the last one
 * left and caches more; the longest of the shared prefix and the session's
 * context wins; the least recently used entry goes first. */
Test(llmsim, prefix_cache_sessions_and_lru)
{
	struct sim_prefix turn[] = { { 0x5, 100 }, { 0x7, 160 } };

	setup_prefix(30);
	engine_submit_prefix(&e, 200, 1, false, 0, turn);
	engine_step(&e);
	cr_expect_eq(engine_prefix_cached(&e, 0x5), 96);
	cr_expect_eq(engine_prefix_cached(&e, 0x7), 160);
	turn[1].tokens = 320;
	engine_submit_prefix(&e, 400, 1, false, 0, turn);
	engine_schedule(&e);
	cr_expect_eq(e.step_prefill, 400 - 160, "the session's 160 beat the shared 96");
	engine_complete(&e);
	cr_expect_eq(engine_prefix_cached(&e, 0x7), 320);
	cr_expect_eq(e.pc_blocks, 6 + 20);
	/* 10 more blocks do not fit in 30: the shared prefix (used least
	 * recently: the session's entry was touched after it) is evicted */
	engine_submit_prefix(&e, 200, 1, false, 0, (struct sim_prefix[]){ { 0x9, 160 }, { 0 } });
	engine_step(&e);
	cr_expect_eq(engine_prefix_cached(&e, 0x5), 0);
	cr_expect_eq(engine_prefix_cached(&e, 0x7), 320);
	cr_expect_eq(engine_prefix_cached(&e, 0x9), 160);
	cr_expect_eq(e.pc_blocks, 30);
	/* no cache: nothing saved, nothing counted */
	engine_fini(&e);
	setup_prefix(0);
	engine_submit_prefix(&e, 200, 1, false, 0, turn);
	engine_step(&e);
	engine_submit_prefix(&e, 200, 1, false, 0, turn);
	engine_schedule(&e);
	cr_expect_eq(e.step_prefill, 200);
	cr_expect_eq(e.pc_queries, 0);
}

Test(llmsim, request_prefix_fields)
{
	struct sim_req r, r2;
	const char *both = "{\"prompt_tokens\":900,\"prefix\":\"sys-acme\",\"prefix_tokens\":300,"
			   "\"session\":\"s17\",\"session_tokens\":700}";
	const char *sess = "{\"prompt_tokens\":900,\"session\":\"s17\",\"session_tokens\":700}";

	cr_assert_eq(sim_req_parse(both, strlen(both), &r), 0);
	cr_expect_neq(r.prefix[0].key, 0);
	cr_expect_eq(r.prefix[0].tokens, 300);
	cr_expect_eq(r.prefix[1].tokens, 700);
	cr_expect_neq(r.prefix[0].key, r.prefix[1].key);
	/* the session alone comes first; its key is the same hash */
	cr_assert_eq(sim_req_parse(sess, strlen(sess), &r2), 0);
	cr_expect_eq(r2.prefix[0].key, r.prefix[1].key);
	cr_expect_eq(r2.prefix[0].tokens, 700);
	cr_expect_eq(r2.prefix[1].key, 0);
	cr_expect_eq(sim_req_parse("{\"prompt_tokens\":9,\"prefix_tokens\":3}", 37, &r), -EINVAL);
	cr_expect_eq(sim_req_parse("{\"prompt_tokens\":9,\"prefix\":\"\"}", 31, &r), -EINVAL);
	cr_expect_eq(sim_req_parse("{\"prompt_tokens\":9,\"prefix\":3}", 30, &r), -EINVAL);
	cr_assert_eq(sim_req_parse("{\"prompt_tokens\":9,\"prefix\":\"a\",\"prefix_tokens\":0}", 50,
				   &r),
		     0);
	cr_expect_eq(r.prefix[0].key, 0, "a prefix of 0 tokens is none");
}

/* A conversation's key caches its whole sequence, prompt and answer: the next
 * turn, whose first tokens they are, prefills only its new message. */
Test(llmsim, prefix_cache_conversation_turns)
{
	struct sim_prefix conv[] = { { 0xc, 0, true }, { 0 } };
	struct sim_req r;
	const char *first = "{\"prompt_tokens\":200,\"session\":\"s1\",\"session_tokens\":0}";

	setup_prefix(100);
	engine_submit_prefix(&e, 200, 20, false, 0, conv);
	engine_schedule(&e);
	cr_expect_eq(e.step_prefill, 200);
	engine_complete(&e);
	cr_expect_eq(engine_prefix_cached(&e, 0xc), 192, "the prompt, from its admission");
	while (e.nrun)
		engine_step(&e);
	cr_expect_eq(engine_prefix_cached(&e, 0xc), 208, "220 tokens once answered: 13 blocks");
	conv[0].tokens = 220;
	engine_submit_prefix(&e, 300, 20, false, 0, conv);
	engine_schedule(&e);
	cr_expect_eq(e.step_prefill, 300 - 208);
	cr_expect_eq(e.pc_hits, 208);
	cr_assert_eq(sim_req_parse(first, strlen(first), &r), 0);
	cr_expect_neq(r.prefix[0].key, 0, "a first turn's session is kept, to be cached");
	cr_expect(r.prefix[0].whole);
	cr_expect_eq(r.prefix[0].tokens, 0);
}
