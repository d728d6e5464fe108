print("rscript")
