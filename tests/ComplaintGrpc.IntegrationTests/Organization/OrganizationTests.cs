using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Organization;

public sealed class OrganizationTests(ServerHost host) : IClassFixture<ServerHost>
{
    private OrganizationService.OrganizationServiceClient Client => host.Organization;

    [Fact]
    public async Task A_unit_tree_is_created_and_a_subtree_lists_the_unit_and_its_descendants_in_tree_order()
    {
        var org = await Sample.OrganizationAsync(Client);

        var subtree = await Client.ListUnitsAsync(new ListUnitsRequest { RootUnitId = org.City });
        Assert.Equal([org.City, org.County, org.Station], subtree.Units.Select(u => u.UnitId));
        var station = subtree.Units.Last();
        Assert.Equal(("东山供电所", UnitLevel.Station, org.County, "Asia/Shanghai"), (station.Name, station.Level, station.ParentUnitId, station.TimeZone));

        var all = await Client.ListUnitsAsync(new ListUnitsRequest());
        Assert.Contains(all.Units, u => u.UnitId == org.Province && u.CustomerCount == 1_000_000);

        var handlers = await Client.ListHandlersAsync(new ListHandlersRequest { UnitId = org.Station });
        var handler = Assert.Single(handlers.Handlers);
        Assert.Equal((org.Handler, "李娜", "lina@example.test"), (handler.HandlerId, handler.Name, handler.Email));
    }

    [Fact]
    public async Task A_unit_whose_parent_is_not_one_level_up_is_rejected()
    {
        var org = await Sample.OrganizationAsync(Client);
        var e = await Assert.ThrowsAsync<RpcException>(() => Client.CreateUnitAsync(new CreateUnitRequest
        {
            Unit = new Unit { UnitId = Sample.Id("s"), Name = "某供电所", Level = UnitLevel.Station, ParentUnitId = org.City },
        }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal("PARENT_LEVEL_MISMATCH", Sample.ErrorInfo(e).Reason);
    }

    [Fact]
    public async Task Duplicates_unknown_parents_and_bad_fields_are_rejected()
    {
        var org = await Sample.OrganizationAsync(Client);

        var duplicate = await Assert.ThrowsAsync<RpcException>(() => Client.CreateUnitAsync(new CreateUnitRequest
        {
            Unit = new Unit { UnitId = org.Province, Name = "again", Level = UnitLevel.Province },
        }).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, duplicate.StatusCode);

        var orphan = await Assert.ThrowsAsync<RpcException>(() => Client.CreateUnitAsync(new CreateUnitRequest
        {
            Unit = new Unit { UnitId = Sample.Id("c"), Name = "x", Level = UnitLevel.City, ParentUnitId = "missing-parent" },
        }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, orphan.StatusCode);

        var bad = await Assert.ThrowsAsync<RpcException>(() => Client.CreateUnitAsync(new CreateUnitRequest
        {
            Unit = new Unit { UnitId = "Bad Id!", Name = "", Level = UnitLevel.Province, TimeZone = "Mars/Olympus" },
        }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Equal(["unit.name", "unit.time_zone", "unit.unit_id"], Sample.BadFields(bad).Order());

        var handlerElsewhere = await Assert.ThrowsAsync<RpcException>(() => Client.CreateHandlerAsync(new CreateHandlerRequest
        {
            Handler = new Handler { HandlerId = Sample.Id("h"), UnitId = "no-such-unit", Name = "x" },
        }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, handlerElsewhere.StatusCode);

        var duplicateHandler = await Assert.ThrowsAsync<RpcException>(() => Client.CreateHandlerAsync(new CreateHandlerRequest
        {
            Handler = new Handler { HandlerId = org.Handler, UnitId = org.Station, Name = "x" },
        }).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, duplicateHandler.StatusCode);
    }
}
