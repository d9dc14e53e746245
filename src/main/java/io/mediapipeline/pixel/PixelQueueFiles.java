package io.mediapipeline.pixel;

import java.io.File;
import org.apache.camel.Exchange;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileEndpoint;
import org.apache.camel.component.file.GenericFileOperations;
import org.apache.camel.component.file.strategy.GenericFileDeleteProcessStrategy;

/**
 * How the staging route takes files from work/pixel/: like delete=true (the queue file goes once its
 * exchange succeeded), but a file that would push the open batch over its byte cap is not begun at
 * all - it stays queued, quietly, for the next batch (no failed exchange, no rollback warning).
 */
public class PixelQueueFiles extends GenericFileDeleteProcessStrategy<File> {

    private final PixelStager stager;

    public PixelQueueFiles(PixelStager stager) {
        this.stager = stager;
    }

    @Override
    public boolean begin(GenericFileOperations<File> operations, GenericFileEndpoint<File> endpoint, Exchange exchange,
                         GenericFile<File> file) throws Exception {
        return stager.admit(file.getFileNameOnly(), file.getFileLength()) && super.begin(operations, endpoint, exchange, file);
    }
}
