using LoraTrainer.Benchmarks.Measuring;
using LoraTrainer.Operator.Storage;

namespace LoraTrainer.Benchmarks.Zip;

/// <summary>Prints the zip benchmark's figures and checks them against issue 6's goals (the dataset zipper's performance).</summary>
internal static class ZipReport
{
    private const double MiB = 1048576.0;
    private const double RatioGoal = 0.8;
    private const double MemoryGoalMiB = 100;

    public static void Print(Report report, SyntheticDataset dataset, IReadOnlyList<ZipRun> runs, S3Options options)
    {
        IReadOnlyList<double> Of(Func<ZipRun, double> pick) => [.. runs.Select(pick)];
        double Rate(Measured m) => dataset.TotalBytes / MiB / m.Elapsed.TotalSeconds;
        double CpuPerGiB(Measured m) => m.Cpu.TotalSeconds / (dataset.TotalBytes / (1024 * MiB));

        report.Section("dataset");
        report.Figure("images", $"{dataset.Images:N0} of {Report.Mebibytes(dataset.ImageBytes)}, each with a caption");
        report.Figure("total", $"{Report.Mebibytes(dataset.TotalBytes)}, uploaded in {dataset.UploadTime.TotalSeconds:N1} s ({dataset.TotalBytes / MiB / dataset.UploadTime.TotalSeconds:N0} MiB/s, 4 PUTs in flight)");
        report.Figure("multipart settings (operator defaults)", $"parts of {Report.Mebibytes(options.PartSize)}, {options.MaxPartsInFlight} in flight");
        report.Figure("zip size", Report.Mebibytes(runs[0].Zip.Bytes));

        report.Section("throughput, MiB of dataset per second (s3rver on 127.0.0.1)");
        report.Repeated("download only (GET every object, keep nothing)", Of(r => Rate(r.Download)), "MiB/s", "N1");
        report.Repeated("plain copy (GET → one multipart upload)", Of(r => Rate(r.Copy)), "MiB/s", "N1");
        report.Repeated("zipper (pre-flight, GET → zip → multipart)", Of(r => Rate(r.Zip)), "MiB/s", "N1");
        report.Repeated("zipper time", Of(r => r.Zip.Elapsed.TotalSeconds), "s", "N1");
        report.Repeated("CPU per GiB: download (this process)", Of(r => CpuPerGiB(r.Download)), "s", "N2");
        report.Repeated("CPU per GiB: plain copy", Of(r => CpuPerGiB(r.Copy)), "s", "N2");
        report.Repeated("CPU per GiB: zipper", Of(r => CpuPerGiB(r.Zip)), "s", "N2");
        var ratio = Samples.Median(Of(r => r.Copy.Elapsed / r.Zip.Elapsed));
        report.Repeated("zipper / plain copy (same run)", Of(r => r.Copy.Elapsed / r.Zip.Elapsed), "×", "N2");
        report.Figure("goal ≥ 0.8× a plain copy (issue 6)", ratio >= RatioGoal ? "met" : $"missed: {ratio:N2}×");

        report.Section("peak memory above idle (idle = after a full collection just before)");
        report.Repeated("download: resident", Of(r => r.Download.PeakAboveIdle.ResidentBytes / MiB), "MiB", "N1");
        report.Repeated("plain copy: resident", Of(r => r.Copy.PeakAboveIdle.ResidentBytes / MiB), "MiB", "N1");
        report.Repeated("zipper: resident", Of(r => r.Zip.PeakAboveIdle.ResidentBytes / MiB), "MiB", "N1");
        report.Repeated("zipper: managed heap", Of(r => r.Zip.PeakAboveIdle.ManagedHeapBytes / MiB), "MiB", "N1");
        var peak = runs.Max(r => r.Zip.PeakAboveIdle.ResidentBytes) / MiB;
        report.Figure("goal < 100 MiB above idle, the same at 1 GB and 4 GB (issue 6)", peak < MemoryGoalMiB ? $"met (highest {peak:N1} MiB)" : $"missed: {peak:N1} MiB");
        report.Note("s3rver runs in its own node process; only this process's memory and CPU are counted.");
    }
}
