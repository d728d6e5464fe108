int rscript_bench_placeholder(void) { return 0; }
