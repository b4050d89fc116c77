// The browser tests run the whole stack and a Chromium; two such classes at once on a two-core machine would only
// slow each other down.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
