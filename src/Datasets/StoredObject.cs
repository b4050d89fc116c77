namespace LoraTrainer.Datasets;

/// <summary>One listed object of a dataset: a key in a bucket, or a file's path relative to the folder being checked.</summary>
/// <param name="Key">The full key.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="ETag">The ETag as the store returns it (quoted); empty for a local file.</param>
public sealed record StoredObject(string Key, long Size, string ETag);
