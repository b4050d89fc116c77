using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Benchmarks.Money;

/// <summary>
/// A Vast market of 96 offers across six GPU models, prices and reliabilities, so an SDXL search returns a full
/// page (the operator asks for 64) that it re-checks and ranks, as on the real market.
/// </summary>
internal static class MoneyMarket
{
    private static readonly (string Gpu, double RamMb, double Price)[] Models =
    [
        ("RTX 4090", 24564, 0.38), ("RTX 3090", 24576, 0.22), ("RTX 4080", 16376, 0.27),
        ("RTX A6000", 49140, 0.55), ("A100 SXM4", 81920, 1.10), ("RTX 3060", 12288, 0.10),
    ];

    public static IReadOnlyList<SimulatedOffer> Offers(VastLifecycle lifecycle)
    {
        var random = new Random(8);
        return [.. Enumerable.Range(0, 96).Select(i =>
        {
            var (gpu, ram, price) = Models[i % Models.Length];
            var dph = Math.Round(price * (0.8 + (0.5 * random.NextDouble())), 3);
            return new SimulatedOffer
            {
                Id = 30_000_000 + i,
                MachineId = 50_000 + i,
                HostId = 1_000 + (i % 17),
                GpuName = gpu,
                GpuRamMb = ram,
                DphBase = dph,
                MinBid = Math.Round(dph * 0.6, 3),
                Reliability = Math.Round(0.9 + (0.099 * random.NextDouble()), 4),
                InetDownMbps = 100 + random.Next(2_000),
                Lifecycle = lifecycle,
            };
        })];
    }
}
