using LoraTrainer.Datasets;

namespace LoraTrainer.Cli.Datasets;

/// <summary>A folder of training images checked by the rules the operator applies to a bucket prefix, before anything is uploaded.</summary>
/// <param name="Folder">The folder's full path.</param>
/// <param name="Inventory">Its images and captions; keys are paths relative to the folder with <c>/</c> between levels.</param>
/// <param name="Problems">Every reason the operator would refuse it, each one line; empty when it can train.</param>
internal sealed record LocalDataset(string Folder, DatasetInventory Inventory, IReadOnlyList<string> Problems)
{
    /// <summary>The files to upload: every image and its caption.</summary>
    public IEnumerable<StoredObject> Files => Inventory.Images.SelectMany(i => i.Caption is null ? [i.Object] : new[] { i.Object, i.Caption });

    public string PathOf(StoredObject file) => Path.Combine(Folder, file.Key.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Reads the folder and applies every rule, collecting all problems rather than stopping at the first.</summary>
    public static LocalDataset Check(string folder, int batchSize)
    {
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
        {
            return new LocalDataset(root, DatasetInventory.From([], ""), [$"{folder} is not a folder: name the folder that holds your images."]);
        }

        var listing = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(path => new StoredObject(Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/'), new FileInfo(path).Length, ""))
            .Where(o => !Path.GetFileName(o.Key).StartsWith('.'))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .ToList();
        var inventory = DatasetInventory.From(listing, "");
        var problems = new List<string>();
        if (inventory.Images.Count == 0)
        {
            problems.Add($"no images in {folder}: add .jpg, .jpeg, .png, .webp or .bmp files.");
        }
        else if (inventory.Images.Count < batchSize)
        {
            problems.Add($"only {inventory.Images.Count} images, fewer than the batch size {batchSize}: add images or lower --batch-size.");
        }

        problems.AddRange(inventory.NameClashes.Select(c =>
            $"{c.First} and {c.Second} would share a name in the flat dataset the trainer reads: rename one."));
        foreach (var image in inventory.Images)
        {
            var head = ReadHead(Path.Combine(root, image.Object.Key));
            if (ImageSignature.Detect(head) is null)
            {
                problems.Add($"{image.Object.Key} {ImageSignature.DescribeNonImage(head)}: replace it with a real JPEG, PNG, WebP or BMP file or remove it.");
            }
        }

        return new LocalDataset(root, inventory, problems);
    }

    private static byte[] ReadHead(string path)
    {
        using var file = File.OpenRead(path);
        var head = new byte[ImageSignature.HeaderLength];
        return head[..file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
    }
}
