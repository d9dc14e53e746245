package io.mediapipeline.media;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CaptureDatesTest {

    private static final ZoneId LOS_ANGELES = ZoneId.of("America/Los_Angeles");
    private static final Instant MTIME = Instant.parse("2021-03-04T05:06:07Z");

    private static CaptureTime pick(Map<String, Object> tags) {
        return CaptureDates.pick(tags, LOS_ANGELES, MTIME);
    }

    @Test
    void originalDateWithOffsetKeepsThePhonesZone() {
        CaptureTime t = pick(Map.of(
                "ExifIFD:DateTimeOriginal", "2023:07:01 00:30:00",
                "ExifIFD:OffsetTimeOriginal", "+09:00",
                "QuickTime:CreateDate", "2020:01:01 00:00:00",
                "IFD0:ModifyDate", "2024:01:01 00:00:00"));

        assertThat(t).isEqualTo(new CaptureTime(OffsetDateTime.parse("2023-07-01T00:30+09:00"),
                "EXIF:DateTimeOriginal", true));
    }

    @Test
    void originalDateWithoutOffsetIsReadInTheConfiguredZone() {
        CaptureTime t = pick(Map.of("ExifIFD:DateTimeOriginal", "2023:01:15 08:00:00"));

        assertThat(t).isEqualTo(new CaptureTime(OffsetDateTime.parse("2023-01-15T08:00-08:00"),
                "EXIF:DateTimeOriginal", false));
    }

    @Test
    void appleCreationDateWinsOverTheUtcMovieDate() {
        CaptureTime t = pick(Map.of(
                "Keys:CreationDate", "2023:07:01 09:15:00+09:00",
                "QuickTime:CreateDate", "2023:07:01 00:15:00"));

        assertThat(t).isEqualTo(new CaptureTime(OffsetDateTime.parse("2023-07-01T09:15+09:00"),
                "Keys:CreationDate", true));
    }

    @Test
    void quickTimeCreateDateIsUtcAndLandsOnTheLocalDay() {
        CaptureTime t = pick(Map.of("QuickTime:CreateDate", "2023:07:01 02:30:00"));

        assertThat(t.value()).isEqualTo(OffsetDateTime.parse("2023-06-30T19:30-07:00"));
        assertThat(t.value().getOffset()).isEqualTo(OffsetDateTime.parse("2023-06-30T19:30-07:00").getOffset());
        assertThat(t.source()).isEqualTo("QuickTime:CreateDate");
        assertThat(t.zoneFromFile()).isFalse();
    }

    @Test
    void zeroPlaceholderIsNotADate() {
        CaptureTime t = pick(Map.of(
                "QuickTime:CreateDate", "0000:00:00 00:00:00",
                "QuickTime:ModifyDate", "2022:05:06 12:00:00"));

        assertThat(t.source()).isEqualTo("QuickTime:ModifyDate");
        assertThat(t.value().toInstant()).isEqualTo(Instant.parse("2022-05-06T12:00:00Z"));
    }

    @Test
    void modifyDateUsesItsOffsetTag() {
        CaptureTime t = pick(Map.of("IFD0:ModifyDate", "2022:05:06 12:00:00", "ExifIFD:OffsetTime", "-03:00"));

        assertThat(t).isEqualTo(new CaptureTime(OffsetDateTime.parse("2022-05-06T12:00-03:00"), "EXIF:ModifyDate",
                true));
    }

    @Test
    void blankOrImpossibleDatesAreSkipped() {
        CaptureTime t = pick(Map.of(
                "ExifIFD:DateTimeOriginal", "    :  :     :  :  ",
                "ExifIFD:CreateDate", "2023:13:45 99:00:00",
                "IFD0:ModifyDate", "2019:02:03 04:05:06"));

        assertThat(t.source()).isEqualTo("EXIF:ModifyDate");
        assertThat(t.value().toLocalDateTime()).hasToString("2019-02-03T04:05:06");
    }

    @Test
    void undatedFileFallsBackToMtimeNeverToTheInodeChangeTime() {
        CaptureTime t = pick(Map.of(
                "System:FileInodeChangeDate", "2026:01:01 00:00:00+00:00",
                "System:FileModifyDate", "2026:01:01 00:00:00+00:00"));

        assertThat(t).isEqualTo(new CaptureTime(OffsetDateTime.parse("2021-03-03T21:06:07-08:00"),
                CaptureDates.FILE_MTIME, false));
    }

    @Test
    void nothingInsideTheFileMeansNoRecordedTime() {
        assertThat(CaptureDates.fromTags(Map.of("File:FileType", "PNG"), LOS_ANGELES)).isEmpty();
    }

    @Test
    void iptcDateAndTimeWithOffsetKeepTheirOffset() {
        CaptureTime t = pick(Map.of(
                "IPTC:DateCreated", "2019:05:06", "IPTC:TimeCreated", "14:30:00+02:00",
                "XMP-photoshop:DateCreated", "2018:01:01 00:00:00+00:00"));

        assertThat(t).isEqualTo(new CaptureTime(OffsetDateTime.parse("2019-05-06T14:30+02:00"),
                "IPTC:DateCreated", true));
    }

    @Test
    void iptcTimeWithoutOffsetIsReadInTheConfiguredZone() {
        CaptureTime t = pick(Map.of("IPTC:DateCreated", "2019:05:06", "IPTC:TimeCreated", "14:30:00"));

        assertThat(t).isEqualTo(new CaptureTime(OffsetDateTime.parse("2019-05-06T14:30-07:00"),
                "IPTC:DateCreated", false));
    }

    @Test
    void iptcDateWithoutTimeIsThatDaysMidnight() {
        CaptureTime t = pick(Map.of("IPTC:DateCreated", "2019:01:06"));

        assertThat(t).isEqualTo(new CaptureTime(OffsetDateTime.parse("2019-01-06T00:00-08:00"),
                "IPTC:DateCreated", false));
    }

    @Test
    void iptcDigitalCreationDateThenXmpDatesComeBeforeTheFileTime() {
        assertThat(pick(Map.of("IPTC:DigitalCreationDate", "2019:05:06",
                "IPTC:DigitalCreationTime", "14:30:00-05:00")).source()).isEqualTo("IPTC:DigitalCreationDate");
        assertThat(pick(Map.of("XMP-xmp:CreateDate", "2019:05:06 14:30:00")))
                .isEqualTo(new CaptureTime(OffsetDateTime.parse("2019-05-06T14:30-07:00"), "XMP-xmp:CreateDate", false));
    }

    @Test
    void xmpDateWithoutTimeIsThatDaysMidnight() {
        assertThat(pick(Map.of("XMP-photoshop:DateCreated", "2019:01:06")))
                .isEqualTo(new CaptureTime(OffsetDateTime.parse("2019-01-06T00:00-08:00"), "XMP-photoshop:DateCreated", false));
    }

    @Test
    void unreadableIptcAndXmpDatesFallBackToTheFileTime() {
        assertThat(pick(Map.of("IPTC:DateCreated", "0000:00:00", "XMP-xmp:CreateDate", "sometime")).source())
                .isEqualTo(CaptureDates.FILE_MTIME);
    }

    @Test
    void exifAndQuickTimeDatesStillComeBeforeIptcAndXmp() {
        CaptureTime t = pick(Map.of(
                "IFD0:ModifyDate", "2024:01:01 00:00:00",
                "IPTC:DateCreated", "2019:05:06", "IPTC:TimeCreated", "14:30:00+02:00"));

        assertThat(t.source()).isEqualTo("EXIF:ModifyDate");
    }

    @Test
    void makerNoteDateComesAfterXmpAndBeforeTheFileTime() {
        Map<String, Object> makerOnly = new LinkedHashMap<>();
        makerOnly.put("Sony:SonyModelID", "ILCE-7M3");
        makerOnly.put("Sony:SonyDateTime", "2019:05:06 07:08:09");
        makerOnly.put("Panasonic:TimeStamp", "2000:01:01 00:00:00");

        assertThat(pick(makerOnly)).isEqualTo(new CaptureTime(OffsetDateTime.parse("2019-05-06T07:08:09-07:00"),
                "Sony:SonyDateTime", false));

        makerOnly.put("XMP-xmp:CreateDate", "2018:01:02 03:04:05+01:00");
        assertThat(pick(makerOnly).source()).isEqualTo("XMP-xmp:CreateDate");
    }

    @Test
    void aDateOutsideTheMakerNotesOrAnUnsetOneIsNoMakerNoteDate() {
        assertThat(pick(Map.of("Composite:SubSecDateTimeOriginal", "2019:05:06 07:08:09",
                "Canon:TimeStamp", "0000:00:00 00:00:00")).source()).isEqualTo(CaptureDates.FILE_MTIME);
    }
}
