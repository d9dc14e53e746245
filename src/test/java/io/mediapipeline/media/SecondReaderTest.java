package io.mediapipeline.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ImageIO as the second opinion: whole files pass, cut ones do not, whatever the compression. */
class SecondReaderTest {

    private static BufferedImage picture() {
        BufferedImage img = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(7);
        for (int y = 0; y < 240; y++) {
            for (int x = 0; x < 320; x++) {
                img.setRGB(x, y, (x / 10) * 0x010101 + random.nextInt(8));
            }
        }
        return img;
    }

    private static Path tiff(Path file, String compression) throws Exception {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("tiff").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionType(compression);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(picture(), null, null), param);
        } finally {
            writer.dispose();
        }
        return file;
    }

    @Test
    void wholeTiffsPassAndCutOnesFailForEveryCompression(@TempDir Path dir) throws Exception {
        for (String compression : new String[] {"LZW", "Deflate", "PackBits", "JPEG"}) {
            Path whole = tiff(dir.resolve(compression + ".tif"), compression);
            assertThat(SecondReader.problem(whole, "tiff", new int[] {320, 240})).as(compression).isNull();
            Path cut = Fixtures.truncated(whole, dir.resolve(compression + "-cut.tif"), 0.5);
            assertThat(SecondReader.problem(cut, "tiff", new int[] {320, 240})).as(compression).startsWith("ImageIO");
        }
    }

    @Test
    void aCutJpegIsRefusedOnItsWarningAndAWrongSizeOrUnknownFormatIsNoAgreement(@TempDir Path dir) throws Exception {
        Path jpeg = dir.resolve("whole.jpg");
        assertThat(ImageIO.write(picture(), "jpeg", new File(jpeg.toString()))).isTrue();
        assertThat(SecondReader.problem(jpeg, "jpeg", null)).isNull();
        Path cut = Fixtures.truncated(jpeg, dir.resolve("cut.jpg"), 0.5);
        assertThat(SecondReader.problem(cut, "jpeg", null)).startsWith("ImageIO").containsIgnoringCase("truncated");
        assertThat(SecondReader.problem(jpeg, "jpeg", new int[] {640, 480})).contains("metadata says 640x480");
        assertThat(SecondReader.problem(jpeg, "webp", null)).isEqualTo("no second reader for webp");
    }
}
