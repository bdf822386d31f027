"""Fine-tuning cross-encoders: LoRA and full training, objectives, augmentation, training metrics."""
