using LoraTrainer.CommandLine;
using LoraTrainer.Api.Schema;

var info = new ProgramInfo("loratrainer-crdgen",
    $"Writes the TrainingRun CRD, generated from the types in src/Api, to {CrdGenerator.RelativePath} of the repository it runs in, and its copy to {CrdGenerator.ChartCopyRelativePath}.")
{
    Usage = "usage: dotnet run --project tools/CrdGen   (from anywhere inside the repository; it takes no arguments)",
    Notes = "Exit codes: 0 written, 2 not inside the repository or an unexpected argument.",
};

return await ProgramStart.RunAsync(info, args, async () =>
{
    if (args.Length > 0)
    {
        throw new StartupFailure($"unexpected argument '{args[0]}': it takes none (--help says what it does).");
    }

    var repository = CrdGenerator.FindRepository(Environment.CurrentDirectory) ?? throw new StartupFailure(
        "no LoraTrainer.sln above the current directory: run it inside the LoraTrainer repository.");
    var crd = CrdGenerator.Generate();
    foreach (var relative in (string[])[CrdGenerator.RelativePath, CrdGenerator.ChartCopyRelativePath])
    {
        var path = Path.Combine(repository, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, crd);
        Console.WriteLine($"wrote {relative}");
    }

    return 0;
});
