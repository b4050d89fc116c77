// Each demo runs the whole system (operator, agent and trainer, s3rver) as processes within deadlines of a few
// seconds; two at once on a two-core machine would compete for the CPU those deadlines assume.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
