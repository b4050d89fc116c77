using LoraTrainer.CommandLine;
using LoraTrainer.CrdGen;

var info = new ProgramInfo("loratrainer-crdgen",
    $"Writes the TrainingRun CRD, generated from the types in src/Api, to {CrdGenerator.RelativePath} of the repository it runs in.")
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

    var root = new DirectoryInfo(Environment.CurrentDirectory);
    while (root is not null && !File.Exists(Path.Combine(root.FullName, "LoraTrainer.sln")))
    {
        root = root.Parent;
    }

    var path = Path.Combine(root?.FullName ?? throw new StartupFailure(
        "no LoraTrainer.sln above the current directory: run it inside the LoraTrainer repository."), CrdGenerator.RelativePath);
    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    await File.WriteAllTextAsync(path, CrdGenerator.Generate());
    Console.WriteLine($"wrote {CrdGenerator.RelativePath}");
    return 0;
});
