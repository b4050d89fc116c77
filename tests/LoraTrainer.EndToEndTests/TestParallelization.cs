// Every end-to-end test runs the whole system — the operator, the agent and its trainer, s3rver — as processes and
// holds it to deadlines and ledger budgets of a few seconds. Two of them at once on a two-core machine would compete
// for the CPU those budgets assume, so the tests of this assembly run one at a time (other test assemblies still run
// beside it).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
