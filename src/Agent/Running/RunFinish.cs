namespace LoraTrainer.Agent.Running;

/// <summary>
/// The user's request to finish the run early (<c>spec.finish: now</c>), as the receiver's answers carry it: training
/// stops and the best epoch saved so far becomes the result, instead of the run failing as a stop would make it.
/// </summary>
internal sealed class RunFinish : IDisposable
{
    private readonly CancellationTokenSource _source = new();

    /// <summary>Cancelled once the finish is requested.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Whether the finish was requested.</summary>
    public bool IsRequested => _source.IsCancellationRequested;

    /// <summary>Requests the finish; returns true the first time only.</summary>
    public bool Request()
    {
        if (_source.IsCancellationRequested)
        {
            return false;
        }

        try
        {
            _source.Cancel();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    public void Dispose() => _source.Dispose();
}
