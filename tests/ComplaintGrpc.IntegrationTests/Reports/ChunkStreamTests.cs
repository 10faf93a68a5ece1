using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Server.Reports;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Reports;

/// <summary>The stream behind the CSV downloads: what is written goes out in chunks of at most 64 KiB as soon as
/// each is full, the first one named, and nothing is lost or reordered.</summary>
public sealed class ChunkStreamTests
{
    private sealed class Collector : IServerStreamWriter<ReportChunk>
    {
        public List<ReportChunk> Chunks { get; } = [];
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(ReportChunk message)
        {
            Chunks.Add(message);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Writes_go_out_in_full_64_KiB_chunks_as_they_fill_and_the_rest_on_flush()
    {
        var collector = new Collector();
        var data = new byte[200 * 1024];
        new Random(7).NextBytes(data);
        await using (var stream = new ChunkStream(collector, "x.csv", "text/csv; charset=utf-8", CancellationToken.None))
        {
            for (var offset = 0; offset < data.Length; offset += 10_000)
            {
                var length = Math.Min(10_000, data.Length - offset);
                await stream.WriteAsync(data.AsMemory(offset, length));
                // Never more than one chunk's worth waits in memory.
                Assert.InRange(offset + length - collector.Chunks.Sum(c => c.Data.Length), 0, ChunkStream.ChunkBytes);
            }
            Assert.Equal(3, collector.Chunks.Count);
            await stream.FlushAsync();
        }

        Assert.Equal([65536, 65536, 65536, 8192], collector.Chunks.Select(c => c.Data.Length));
        Assert.Equal(("x.csv", "text/csv; charset=utf-8"), (collector.Chunks[0].FileName, collector.Chunks[0].ContentType));
        Assert.All(collector.Chunks.Skip(1), c => Assert.Equal("", c.FileName));
        Assert.Equal(data, collector.Chunks.SelectMany(c => c.Data).ToArray());
    }

    [Fact]
    public async Task An_empty_file_still_sends_one_named_chunk()
    {
        var collector = new Collector();
        await using (var stream = new ChunkStream(collector, "empty.csv", "text/csv; charset=utf-8", CancellationToken.None))
            await stream.FlushAsync();
        var only = Assert.Single(collector.Chunks);
        Assert.Equal(("empty.csv", 0), (only.FileName, only.Data.Length));
    }
}
