using System.Formats.Tar;
using System.Globalization;
using System.Text.Json;

namespace LoraTrainer.Agent.States;

/// <summary>A state folder sd-scripts finished writing.</summary>
/// <param name="Epoch">The epoch it was saved at (<c>current_epoch</c> of its <c>train_state.json</c>).</param>
/// <param name="Path">The folder.</param>
internal sealed record LocalState(int Epoch, string Path);

/// <summary>
/// sd-scripts' saved training state on disk: a folder per epoch, <c>{output_name}-{epoch:06d}-state</c> (at the end
/// <c>{output_name}-state</c>), holding accelerate's state and <c>train_state.json</c> = <c>{"current_epoch": E, "current_step": S}</c>.
/// </summary>
/// <remarks>
/// sd-scripts writes <c>train_state.json</c> from accelerate's pre-save hook, before the model and optimizer files, so
/// the file says nothing about whether the folder is whole. The agent marks a folder complete (<see cref="MarkComplete"/>)
/// once the trainer has moved on to the next epoch, and only marked folders are resumed from or uploaded.
/// accelerate's <c>load_state</c> reads the files it knows by name, so the marker does not disturb it.
/// </remarks>
internal static class StateFolders
{
    /// <summary>The file sd-scripts writes into each state folder.</summary>
    public const string TrainStateFile = "train_state.json";

    /// <summary>The agent's mark of a state folder the trainer finished writing.</summary>
    public const string CompleteMarker = "loratrainer-complete";

    /// <summary>Marks <paramref name="folder"/> as finished by the trainer; false when it does not exist.</summary>
    public static bool MarkComplete(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return false;
        }

        File.WriteAllText(Path.Combine(folder, CompleteMarker), "");
        return true;
    }

    /// <summary>The state folder of <paramref name="epoch"/>.</summary>
    public static string PathOf(string outputDirectory, string outputName, int epoch) =>
        Path.Combine(outputDirectory, $"{outputName}-{epoch.ToString("D6", CultureInfo.InvariantCulture)}-state");

    /// <summary>The epoch a complete state folder holds, from its <c>train_state.json</c>; null when it is not marked complete or that file is missing or unreadable.</summary>
    public static int? EpochOf(string folder)
    {
        if (!File.Exists(Path.Combine(folder, CompleteMarker)))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, TrainStateFile)));
            return document.RootElement.TryGetProperty("current_epoch", out var epoch) && epoch.TryGetInt32(out var value) && value > 0 ? value : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The newest complete state folder of <paramref name="outputName"/> at or below <paramref name="throughEpoch"/>, or null.</summary>
    public static LocalState? Newest(string outputDirectory, string outputName, int throughEpoch = int.MaxValue)
    {
        if (!Directory.Exists(outputDirectory))
        {
            return null;
        }

        return Directory.EnumerateDirectories(outputDirectory, $"{outputName}-*-state")
            .Select(folder => EpochOf(folder) is { } epoch && epoch <= throughEpoch ? new LocalState(epoch, folder) : null)
            .OfType<LocalState>()
            .MaxBy(state => state.Epoch);
    }

    /// <summary>Packs <paramref name="folder"/> into a tar at <paramref name="tarPath"/>, streamed from disk to disk, the folder's name as its root.</summary>
    public static async Task PackAsync(string folder, string tarPath, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(tarPath)!);
        var temporary = tarPath + ".partial";
        await using (var tar = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true))
        {
            await TarFile.CreateFromDirectoryAsync(folder, tar, includeBaseDirectory: true, cancellationToken);
        }

        File.Move(temporary, tarPath, overwrite: true);
    }

    /// <summary>
    /// Unpacks a state tar into <paramref name="outputDirectory"/> and returns the state it holds; null when the tar is
    /// unreadable, holds anything but one state folder, or that folder has no readable <c>train_state.json</c>.
    /// </summary>
    public static async Task<LocalState?> UnpackAsync(string tarPath, string outputDirectory, CancellationToken cancellationToken)
    {
        var staging = Path.Combine(outputDirectory, ".restoring");
        try
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            Directory.CreateDirectory(staging);
            // ExtractToDirectoryAsync refuses entries that would land outside the staging folder.
            await TarFile.ExtractToDirectoryAsync(tarPath, staging, overwriteFiles: true, cancellationToken);
            var folders = Directory.GetDirectories(staging);
            if (folders.Length != 1 || Directory.GetFiles(staging).Length != 0 || EpochOf(folders[0]) is not { } epoch)
            {
                return null;
            }

            var destination = Path.Combine(outputDirectory, Path.GetFileName(folders[0]));
            if (Directory.Exists(destination))
            {
                Directory.Delete(destination, recursive: true);
            }

            Directory.Move(folders[0], destination);
            return new LocalState(epoch, destination);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }
}
