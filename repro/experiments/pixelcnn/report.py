def pixelcnn_section(results_dir):
    return "", []
