using ServerlessAuth.TableStorage;

namespace ServerlessAuth.UnitTests.Revocation;

/// <summary>
/// The feed table's partition key is the UTC minute of publication; a read from an instant queries
/// the partitions from that instant's one on, so the keys must split exactly at minutes and sort as
/// time does.
/// </summary>
public sealed class TableRevocationFeedPartitionTests
{
    private static DateTimeOffset Utc(int year, int month, int day, int hour, int minute, int second = 0) =>
        new(year, month, day, hour, minute, second, TimeSpan.Zero);

    [Fact]
    public void The_last_tick_of_a_minute_and_the_first_of_the_next_fall_in_different_partitions()
    {
        var minute = Utc(2030, 6, 1, 12, 1);
        var lastTick = minute - TimeSpan.FromTicks(1);

        Assert.Equal("203006011200", TableRevocationFeed.Partition(lastTick));
        Assert.Equal("203006011201", TableRevocationFeed.Partition(minute));
        Assert.Equal(TableRevocationFeed.Partition(Utc(2030, 6, 1, 12, 0)), TableRevocationFeed.Partition(lastTick));
    }

    [Fact]
    public void The_partition_is_the_UTC_minute_whatever_the_offset()
    {
        var utc = Utc(2030, 6, 1, 12, 0, 30);
        var sameInstantInParis = new DateTimeOffset(2030, 6, 1, 14, 0, 30, TimeSpan.FromHours(2));

        Assert.Equal(TableRevocationFeed.Partition(utc), TableRevocationFeed.Partition(sameInstantInParis));
    }

    [Fact]
    public void Partition_keys_sort_ordinally_in_time_order_across_hour_day_month_and_year_ends()
    {
        DateTimeOffset[] instants =
        [
            Utc(2030, 6, 1, 9, 59, 59),
            Utc(2030, 6, 1, 10, 0),
            Utc(2030, 6, 1, 23, 59, 59),
            Utc(2030, 6, 2, 0, 0),
            Utc(2030, 6, 30, 23, 59),
            Utc(2030, 7, 1, 0, 0),
            Utc(2030, 12, 31, 23, 59, 59),
            Utc(2031, 1, 1, 0, 0),
        ];

        var keys = instants.Select(TableRevocationFeed.Partition).ToList();

        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(keys, keys.Order(StringComparer.Ordinal));
        Assert.All(keys, k => Assert.Equal(12, k.Length));
    }
}
