using System.Globalization;

namespace LoraTrainer.Testing.Gpu;

/// <summary>
/// A stand-in for <c>nvidia-smi</c> on a simulated GPU host: a shell script named <c>nvidia-smi</c> that answers, for
/// one GPU, what NVIDIA's tool prints: the CSV of <c>--query-gpu=… --format=csv[,noheader][,nounits]</c>, the list of
/// <c>-L</c>, and the banner of a plain run with the driver and CUDA versions.
/// </summary>
/// <remarks>
/// The host's GPU is named as the NVIDIA driver names it (<c>NVIDIA GeForce RTX 4090</c>), not as Vast lists it
/// (<c>RTX 4090</c>). Fields the script does not know answer as nvidia-smi answers an invalid field: a message and
/// exit code 2.
/// </remarks>
public static class FakeNvidiaSmi
{
    /// <summary>The program's name, as the agent finds it on the PATH.</summary>
    public const string Program = "nvidia-smi";

    /// <summary>Writes an executable <c>nvidia-smi</c> for <paramref name="gpu"/> into <paramref name="folder"/> (created if needed); returns the folder, to put first on a PATH.</summary>
    public static string Install(string folder, FakeGpu gpu)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, Program);
        File.WriteAllText(path, Script(gpu));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return folder;
    }

    /// <summary>The script for <paramref name="gpu"/>.</summary>
    public static string Script(FakeGpu gpu)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        return $$"""
            #!/bin/sh
            # nvidia-smi stand-in for a simulated GPU host: one {{gpu.Name}}.
            NAME={{Quoted(gpu.Name)}}
            MEMORY={{gpu.MemoryMb.ToString(CultureInfo.InvariantCulture)}}
            DRIVER={{Quoted(gpu.Driver)}}
            CUDA={{Quoted(gpu.Cuda)}}
            UUID={{Quoted(gpu.Uuid)}}
            query=""; format=""; list=""
            for arg in "$@"; do
              case "$arg" in
                --query-gpu=*) query="${arg#--query-gpu=}" ;;
                --format=*) format=",${arg#--format=}," ;;
                -L|--list-gpus) list=1 ;;
                -h|--help) echo "NVIDIA System Management Interface -- v$DRIVER (stand-in)"; exit 0 ;;
                *) echo "Invalid combination of input arguments. Please run 'nvidia-smi -h' for help."; exit 2 ;;
              esac
            done
            if [ -n "$list" ]; then
              echo "GPU 0: $NAME (UUID: $UUID)"
              exit 0
            fi
            if [ -n "$query" ]; then
              case "$format" in *,csv,*) ;; *) echo "--format must be given with --query-gpu, e.g. --format=csv"; exit 2 ;; esac
              units=" MiB"; case "$format" in *,nounits,*) units="" ;; esac
              header=""; values=""; sep=""
              old_ifs="$IFS"; IFS=","
              for field in $query; do
                case "$field" in
                  name|gpu_name) h="name"; v="$NAME" ;;
                  memory.total) h="memory.total [MiB]"; v="$MEMORY$units" ;;
                  memory.used) h="memory.used [MiB]"; v="0$units" ;;
                  memory.free) h="memory.free [MiB]"; v="$MEMORY$units" ;;
                  driver_version) h="driver_version"; v="$DRIVER" ;;
                  uuid|gpu_uuid) h="uuid"; v="$UUID" ;;
                  index) h="index"; v="0" ;;
                  count) h="count"; v="1" ;;
                  *) echo "Field \"$field\" is not a valid field to query."; exit 2 ;;
                esac
                header="$header$sep$h"; values="$values$sep$v"; sep=", "
              done
              IFS="$old_ifs"
              case "$format" in *,noheader,*) ;; *) echo "$header" ;; esac
              echo "$values"
              exit 0
            fi
            printf '+-----------------------------------------------------------------------------------------+\n'
            printf '| NVIDIA-SMI %-22s Driver Version: %-14s CUDA Version: %-9s|\n' "$DRIVER" "$DRIVER" "$CUDA"
            printf '|-----------------------------------------+------------------------+----------------------+\n'
            printf '|   0  %-34s |   00000000:01:00.0 Off |                  Off |\n' "$NAME"
            printf '|  0%%   30C    P8     10W /  450W        |  1MiB / %6sMiB     |      0%%      Default |\n' "$MEMORY"
            printf '+-----------------------------------------+------------------------+----------------------+\n'

            """;
    }

    private static string Quoted(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
