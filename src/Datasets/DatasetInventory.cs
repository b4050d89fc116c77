
namespace LoraTrainer.Datasets;

/// <summary>One training image and its caption file, if it has one.</summary>
/// <param name="Object">The image object.</param>
/// <param name="EntryName">Its file name inside the zip.</param>
/// <param name="Caption">The same-named <c>.txt</c> object, or null.</param>
public sealed record DatasetImage(StoredObject Object, string EntryName, StoredObject? Caption)
{
    /// <summary>The caption's file name inside the zip: the image's name with <c>.txt</c>, as sd-scripts looks it up.</summary>
    public string CaptionEntryName => Path.ChangeExtension(EntryName, ".txt");
}

/// <summary>What is under a dataset prefix: the images with their captions, and what is skipped.</summary>
/// <remarks>
/// The zip is flat, because sd-scripts reads one folder without recursing: <c>sub/a.jpg</c> under the prefix
/// becomes <c>sub_a.jpg</c>. Two files that would flatten to the same name are reported so the user can rename one.
/// Extensions are matched case-insensitively; a caption pairs with every image of the same path and stem.
/// </remarks>
public sealed record DatasetInventory(
    IReadOnlyList<DatasetImage> Images,
    IReadOnlyList<StoredObject> Skipped,
    IReadOnlyList<(string First, string Second)> NameClashes)
{
    /// <summary>Extensions taken as images.</summary>
    public static readonly IReadOnlySet<string> ImageExtensions =
        new HashSet<string>([".jpg", ".jpeg", ".png", ".webp", ".bmp"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Images that came with a caption file.</summary>
    public int CaptionCount => Images.Count(i => i.Caption is not null);

    /// <summary>Total bytes of images and captions.</summary>
    public long TotalBytes => Images.Sum(i => i.Object.Size + (i.Caption?.Size ?? 0));

    /// <summary>Sorts a listing of <paramref name="prefix"/> into images, captions and skipped files.</summary>
    public static DatasetInventory From(IEnumerable<StoredObject> listing, string prefix)
    {
        var objects = listing.Where(o => !o.Key.EndsWith('/')).ToList();
        var captions = objects
            .Where(o => IsCaption(o.Key))
            .ToDictionary(o => WithoutExtension(o.Key), StringComparer.Ordinal);
        var images = new List<DatasetImage>();
        var skipped = new List<StoredObject>();
        var usedCaptions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var o in objects.Where(o => !IsCaption(o.Key)))
        {
            if (!ImageExtensions.Contains(Path.GetExtension(o.Key)))
            {
                skipped.Add(o);
                continue;
            }

            var stem = WithoutExtension(o.Key);
            var caption = captions.GetValueOrDefault(stem);
            if (caption is not null)
            {
                usedCaptions.Add(caption.Key);
            }

            images.Add(new DatasetImage(o, EntryNameFor(o.Key, prefix), caption));
        }

        skipped.AddRange(captions.Values.Where(c => !usedCaptions.Contains(c.Key)));
        skipped.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return new DatasetInventory(images, skipped, FindClashes(images));
    }

    private static IReadOnlyList<(string, string)> FindClashes(List<DatasetImage> images)
    {
        // Captions are named after the stem, so a.jpg and a.png clash only if their captions differ.
        var byStem = new Dictionary<string, DatasetImage>(StringComparer.Ordinal);
        var clashes = new List<(string, string)>();
        foreach (var image in images)
        {
            var stem = WithoutExtension(image.EntryName);
            if (byStem.TryGetValue(stem, out var other)
                && (other.EntryName == image.EntryName || other.Caption?.Key != image.Caption?.Key))
            {
                clashes.Add((other.Object.Key, image.Object.Key));
                continue;
            }

            byStem.TryAdd(stem, image);
        }

        return clashes;
    }

    private static bool IsCaption(string key) => string.Equals(Path.GetExtension(key), ".txt", StringComparison.OrdinalIgnoreCase);

    private static string WithoutExtension(string key) => key[..^Path.GetExtension(key).Length];

    private static string EntryNameFor(string key, string prefix) => key[prefix.Length..].Replace('/', '_');
}
