using LoraTrainer.CrdGen;

// Writes the generated CRD into the repository; run from anywhere inside it.
var root = new DirectoryInfo(Environment.CurrentDirectory);
while (root is not null && !File.Exists(Path.Combine(root.FullName, "LoraTrainer.sln")))
{
    root = root.Parent;
}

if (root is null)
{
    Console.Error.WriteLine("Run this inside the LoraTrainer repository (no LoraTrainer.sln found above the current directory).");
    return 1;
}

var path = Path.Combine(root.FullName, CrdGenerator.RelativePath);
Directory.CreateDirectory(Path.GetDirectoryName(path)!);
await File.WriteAllTextAsync(path, CrdGenerator.Generate());
Console.WriteLine($"wrote {CrdGenerator.RelativePath}");
return 0;
