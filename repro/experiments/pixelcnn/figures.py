placeholder = None
def pixelcnn_figures(run, summary, results_dir):
    return []
