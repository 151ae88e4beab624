resource "proxmox_virtual_environment_vm" "truenas" {
  name      = "truenas"
  node_name = "srv01"
  vm_id     = 100
  on_boot   = true
  machine   = "q35"

  agent {
    enabled = true
  }

  cpu {
    cores = 6
    type  = "host"
  }

  memory {
    dedicated = 32768
    floating  = 0
  }

  hostpci {
    device  = "hostpci0"
    mapping = "HBA"
    pcie    = true
    rombar  = false
    xvga    = false
  }

  hostpci {
    device  = "hostpci1"
    mapping = "NIC1"
    pcie    = true
    rombar  = true
    xvga    = false
  }

  hostpci {
    device  = "hostpci2"
    mapping = "NIC2"
    pcie    = true
    rombar  = true
    xvga    = false
  }

  disk {
    datastore_id = "local-lvm"
    interface    = "scsi0"
    size         = 32
  }
}

resource "proxmox_virtual_environment_vm" "talos-cp1" {
  name                = "talos-cp1"
  node_name           = "srv01"
  vm_id               = 201
  on_boot             = true
  machine             = "q35"
  hook_script_file_id = proxmox_virtual_environment_file.talos-cp1_gate.id

  agent {
    enabled = true
  }

  cpu {
    cores = 2
    type  = "host"
  }

  memory {
    dedicated = 4096
    floating  = 4096
  }

  disk {
    datastore_id = "local-lvm"
    interface    = "scsi0"
    size         = 32
  }

  network_device {
    bridge = "vmbr0"
  }

  network_device {
    bridge  = "vmbr0"
    vlan_id = 50
  }
}

resource "proxmox_virtual_environment_file" "talos-cp1_gate" {
  content_type = "snippets"
  datastore_id = "local"
  node_name    = "srv01"
  file_mode    = "0755"

  source_file {
    path = "hookscripts/hostplan-gate-201.sh"
  }
}

resource "proxmox_virtual_environment_vm" "talos-w1" {
  name                = "talos-w1"
  node_name           = "srv01"
  vm_id               = 211
  on_boot             = true
  machine             = "q35"
  hook_script_file_id = proxmox_virtual_environment_file.talos-w1_gate.id

  agent {
    enabled = true
  }

  cpu {
    cores = 4
    type  = "host"
  }

  memory {
    dedicated = 8192
    floating  = 8192
  }

  disk {
    datastore_id = "local-lvm"
    interface    = "scsi0"
    size         = 64
  }

  network_device {
    bridge = "vmbr0"
  }

  network_device {
    bridge  = "vmbr0"
    vlan_id = 50
  }
}

resource "proxmox_virtual_environment_file" "talos-w1_gate" {
  content_type = "snippets"
  datastore_id = "local"
  node_name    = "srv01"
  file_mode    = "0755"

  source_file {
    path = "hookscripts/hostplan-gate-211.sh"
  }
}

resource "proxmox_virtual_environment_vm" "talos-w2" {
  name                = "talos-w2"
  node_name           = "srv01"
  vm_id               = 212
  on_boot             = true
  machine             = "q35"
  hook_script_file_id = proxmox_virtual_environment_file.talos-w2_gate.id

  agent {
    enabled = true
  }

  cpu {
    cores = 4
    type  = "host"
  }

  memory {
    dedicated = 8192
    floating  = 8192
  }

  disk {
    datastore_id = "local-lvm"
    interface    = "scsi0"
    size         = 64
  }

  network_device {
    bridge = "vmbr0"
  }

  network_device {
    bridge  = "vmbr0"
    vlan_id = 50
  }
}

resource "proxmox_virtual_environment_file" "talos-w2_gate" {
  content_type = "snippets"
  datastore_id = "local"
  node_name    = "srv01"
  file_mode    = "0755"

  source_file {
    path = "hookscripts/hostplan-gate-212.sh"
  }
}

resource "proxmox_virtual_environment_hardware_mapping_pci" "HBA" {
  name    = "HBA"
  comment = "LSI SAS HBA for TrueNAS"
  map     = [
    {
      id           = "1000:0072"
      iommu_group  = 12
      node         = "srv01"
      path         = "0000:01:00.0"
      subsystem_id = "1000:3020"
    }
  ]
}

resource "proxmox_virtual_environment_hardware_mapping_pci" "NIC1" {
  name    = "NIC1"
  comment = "Dedicated uplink"
  map     = [
    {
      id           = "8086:1533"
      iommu_group  = 13
      node         = "srv01"
      path         = "0000:02:00.0"
      subsystem_id = "8086:0001"
    }
  ]
}

resource "proxmox_virtual_environment_hardware_mapping_pci" "NIC2" {
  name    = "NIC2"
  comment = "Dedicated storage network"
  map     = [
    {
      id           = "8086:1533"
      iommu_group  = 14
      node         = "srv01"
      path         = "0000:03:00.0"
      subsystem_id = "8086:0001"
    }
  ]
}
