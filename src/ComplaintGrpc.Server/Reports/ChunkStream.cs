using ComplaintGrpc.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;

namespace ComplaintGrpc.Server.Reports;

/// <summary>
/// A write-only stream that sends what is written to it as <see cref="ReportChunk"/>s of at most 64 KiB, each as soon
/// as it is full, so a file of any size is streamed with one chunk in memory. The first chunk carries the file name
/// and content type. Bytes are sent only on the asynchronous paths (<see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>,
/// <see cref="FlushAsync(CancellationToken)"/>); a synchronous write only buffers.
/// </summary>
public sealed class ChunkStream(IServerStreamWriter<ReportChunk> output, string fileName, string contentType, CancellationToken ct) : Stream
{
    public const int ChunkBytes = 64 * 1024;
    private readonly byte[] _buffer = new byte[ChunkBytes];
    private int _length;
    private bool _sentFirst;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (buffer.Length > 0)
        {
            if (_length == ChunkBytes)
                await SendAsync();
            var n = Math.Min(buffer.Length, ChunkBytes - _length);
            buffer[..n].CopyTo(_buffer.AsMemory(_length));
            _length += n;
            buffer = buffer[n..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Sends what is buffered; the first flush sends a chunk even when nothing was written, so the caller
    /// always gets the file name.</summary>
    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_length > 0 || !_sentFirst)
            await SendAsync();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (count > ChunkBytes - _length)
            throw new InvalidOperationException("ChunkStream sends only on asynchronous writes; this write would overflow its chunk.");
        buffer.AsSpan(offset, count).CopyTo(_buffer.AsSpan(_length));
        _length += count;
    }

    public override void Flush()
    {
        // Sending is asynchronous only: see FlushAsync.
    }

    private async Task SendAsync()
    {
        var chunk = new ReportChunk { Data = ByteString.CopyFrom(_buffer, 0, _length) };
        if (!_sentFirst)
        {
            chunk.FileName = fileName;
            chunk.ContentType = contentType;
            _sentFirst = true;
        }
        _length = 0;
        await output.WriteAsync(chunk, ct);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
