-- Validation metrics of the moving average of the weights (train.ema), beside the raw weights'
-- val_loss/val_top1/val_top5; NULL for runs without an average.
ALTER TABLE epochs ADD COLUMN ema_val_loss REAL;
ALTER TABLE epochs ADD COLUMN ema_val_top1 REAL;
ALTER TABLE epochs ADD COLUMN ema_val_top5 REAL;
