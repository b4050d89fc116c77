using System.Net.Sockets;
using System.Text;

namespace LoraTrainer.Testing.Kubernetes.K3s;

/// <summary>Tells quickly, without hanging, whether a Docker engine answers (a CLI without a daemon does not count).</summary>
public static class DockerAvailability
{
    private static readonly Lazy<Task<bool>> Probe = new(() => PingAsync(TimeSpan.FromSeconds(2)));

    /// <summary>True when the engine at <c>DOCKER_HOST</c> (or <c>/var/run/docker.sock</c>) answers <c>/_ping</c> within two seconds. Probed once per process.</summary>
    public static Task<bool> IsAvailableAsync() => Probe.Value;

    private static async Task<bool> PingAsync(TimeSpan timeout)
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST") ?? "unix:///var/run/docker.sock";
        using var cts = new CancellationTokenSource(timeout, TimeProvider.System);
        try
        {
            using var socket = await ConnectAsync(new Uri(host), cts.Token);
            if (socket is null)
            {
                return false;
            }

            await socket.SendAsync("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"u8.ToArray(), SocketFlags.None, cts.Token);
            var buffer = new byte[64];
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("HTTP/1.", StringComparison.Ordinal) &&
                   Encoding.ASCII.GetString(buffer, 0, read).Contains(" 200 ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException or UriFormatException)
        {
            return false;
        }
    }

    private static async Task<Socket?> ConnectAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        switch (endpoint.Scheme)
        {
            case "unix" when File.Exists(endpoint.AbsolutePath):
                var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await unix.ConnectAsync(new UnixDomainSocketEndPoint(endpoint.AbsolutePath), cancellationToken);
                return unix;
            case "tcp":
                var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await tcp.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken);
                return tcp;
            default:
                return null;
        }
    }
}
